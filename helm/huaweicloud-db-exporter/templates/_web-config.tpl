{{/*
The web config's mounts and volumes in the pod (webConfig.*): the rendered web config file, the
server certificate Secret, and what the exec probe reads (password file, client certificate).
*/}}
{{- define "huaweicloud-db-exporter.webConfig.volumeMounts" -}}
{{- if .Values.webConfig.config }}
{{- $webDir := include "huaweicloud-db-exporter.webConfigDir" . }}
- name: web-config
  mountPath: {{ $webDir }}/web-config.yaml
  subPath: web-config.yaml
  readOnly: true
{{- if .Values.webConfig.tlsSecret }}
- name: web-tls
  mountPath: {{ $webDir }}/tls
  readOnly: true
{{- end }}
{{- if .Values.webConfig.probe.basicAuthUser }}
- name: probe-password
  mountPath: {{ $webDir }}/probe-password
  readOnly: true
{{- end }}
{{- if .Values.webConfig.probe.clientCertSecret }}
- name: probe-tls
  mountPath: {{ $webDir }}/probe-tls
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{- define "huaweicloud-db-exporter.webConfig.volumes" -}}
{{- if .Values.webConfig.config }}
- name: web-config
  secret:
    secretName: {{ include "huaweicloud-db-exporter.fullname" . }}-web-config
{{- with .Values.webConfig.tlsSecret }}
- name: web-tls
  secret:
    secretName: {{ . }}
{{- end }}
{{- with .Values.webConfig.probe }}
{{- if .basicAuthUser }}
- name: probe-password
  secret:
    secretName: {{ required "webConfig.probe.basicAuthPasswordSecret.name: the Secret holding the probe user's password" .basicAuthPasswordSecret.name }}
    items:
      - key: {{ .basicAuthPasswordSecret.key }}
        path: password
{{- end }}
{{- with .clientCertSecret }}
- name: probe-tls
  secret:
    secretName: {{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
