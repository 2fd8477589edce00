{{/*
Chart name, truncated to 63 characters (DNS label limit).
*/}}
{{- define "huaweicloud-db-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name alone when it already contains the chart name.
*/}}
{{- define "huaweicloud-db-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "huaweicloud-db-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource: the standard ones, then commonLabels (which cannot replace the
selector labels).
*/}}
{{- define "huaweicloud-db-exporter.labels" -}}
{{- $labels := dict
  "helm.sh/chart" (include "huaweicloud-db-exporter.chart" .)
  "app.kubernetes.io/version" (.Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | trimSuffix "-")
  "app.kubernetes.io/managed-by" .Release.Service
  "app.kubernetes.io/part-of" "huaweicloud-db-exporter" }}
{{- range $k, $v := .Values.commonLabels }}
{{- $_ := set $labels $k ($v | toString) }}
{{- end }}
{{- range $k, $v := include "huaweicloud-db-exporter.selectorLabels" . | fromYaml }}
{{- $_ := set $labels $k $v }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
Selector labels (immutable on a Deployment: never add to these).
*/}}
{{- define "huaweicloud-db-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "huaweicloud-db-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "huaweicloud-db-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "huaweicloud-db-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: repository@digest when a digest is set, else repository:tag (appVersion by default).
*/}}
{{- define "huaweicloud-db-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding the credentials: the existing one, or the chart's.
*/}}
{{- define "huaweicloud-db-exporter.secretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else }}
{{- include "huaweicloud-db-exporter.fullname" . }}
{{- end }}
{{- end }}

{{/*
Container port, taken from config.web.listen_address ("host:port", "[::]:port" or ":port").
*/}}
{{- define "huaweicloud-db-exporter.port" -}}
{{- $web := .Values.config.web | default dict }}
{{- $addr := $web.listen_address | default "0.0.0.0:10110" | toString }}
{{- $port := regexFind "[0-9]+$" $addr }}
{{- if not $port }}
{{- fail (printf "config.web.listen_address %q must end in :<port>" $addr) }}
{{- end }}
{{- $port }}
{{- end }}

{{/*
Metrics path, taken from config.web.telemetry_path.
*/}}
{{- define "huaweicloud-db-exporter.telemetryPath" -}}
{{- $web := .Values.config.web | default dict }}
{{- $web.telemetry_path | default "/metrics" }}
{{- end }}

{{/*
Mount directory and file of the configuration (the image's default CMD reads this path).
*/}}
{{- define "huaweicloud-db-exporter.configDir" -}}
/etc/huaweicloud-db-exporter
{{- end }}

{{/*
The common labels merged with extra ones: (dict "ctx" $ "extra" .Values.x.labels).
Extra labels override common ones, except the selector labels, which always win.
*/}}
{{- define "huaweicloud-db-exporter.labelsWith" -}}
{{- $labels := include "huaweicloud-db-exporter.labels" .ctx | fromYaml }}
{{- range $k, $v := .extra }}
{{- $_ := set $labels $k ($v | toString) }}
{{- end }}
{{- range $k, $v := include "huaweicloud-db-exporter.selectorLabels" .ctx | fromYaml }}
{{- $_ := set $labels $k $v }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
Namespace of every namespaced object: namespaceOverride, else the release's (for umbrella charts
that install this one into another namespace than their own).
*/}}
{{- define "huaweicloud-db-exporter.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Where the chart mounts the web config it renders (webConfig.config) and the Secrets it uses.
*/}}
{{- define "huaweicloud-db-exporter.webConfigDir" -}}
/etc/huaweicloud-db-exporter-web
{{- end }}

{{/*
"true" when the web config the chart renders turns TLS on.
*/}}
{{- define "huaweicloud-db-exporter.webTls" -}}
{{- $web := .Values.webConfig.config | default dict }}
{{- if $web.tls_server_config }}true{{ else }}false{{ end }}
{{- end }}

{{/*
The exec probe that runs inside the container (dist/probe.js) for a path: with the chart's web
config, kubelet's httpGet cannot present a client certificate, and a basic auth header would put
the password in the pod spec. The probe reads the config and web config files, and the password
and client certificate from files mounted from Secrets.
*/}}
{{- define "huaweicloud-db-exporter.probeCommand" -}}
{{- $ctx := .ctx }}
{{- $dir := include "huaweicloud-db-exporter.webConfigDir" $ctx }}
{{- $probe := $ctx.Values.webConfig.probe }}
- node
- /app/dist/probe.js
- --config
- {{ include "huaweicloud-db-exporter.configDir" $ctx }}/config.yaml
- --path
- {{ .path }}
- --timeout-ms
- "4000"
{{- if $probe.basicAuthUser }}
- --basic-auth-user
- {{ $probe.basicAuthUser | quote }}
- --basic-auth-password-file
- {{ $dir }}/probe-password/password
{{- end }}
{{- if $probe.clientCertSecret }}
- --client-cert-file
- {{ $dir }}/probe-tls/tls.crt
- --client-key-file
- {{ $dir }}/probe-tls/tls.key
{{- end }}
{{- end }}
