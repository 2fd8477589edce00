{{/*
The exporter's pod template, shared by the Deployment and (with sharding.enabled) the StatefulSet.
A sharded pod gets --total-shards=<sharding.replicas> and POD_NAME from the downward API: the
exporter takes its shard from the ordinal that ends a StatefulSet pod's name (hwc-db-2 -> shard 2).
*/}}
{{- define "huaweicloud-db-exporter.podTemplate" -}}
{{- $configDir := include "huaweicloud-db-exporter.configDir" . -}}
metadata:
  annotations:
    # Restart the pods when the configuration or the chart's Secret changes.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- if .Values.webConfig.config }}
    checksum/web-config: {{ include (print $.Template.BasePath "/web-config-secret.yaml") . | sha256sum }}
    {{- end }}
    {{- if not .Values.auth.existingSecret }}
    checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "huaweicloud-db-exporter.labelsWith" (dict "ctx" . "extra" .Values.podLabels) | nindent 4 }}
spec:
  serviceAccountName: {{ include "huaweicloud-db-exporter.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: exporter
      image: {{ include "huaweicloud-db-exporter.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config
        - {{ $configDir }}/config.yaml
        {{- if .Values.sharding.enabled }}
        - --total-shards={{ .Values.sharding.replicas }}
        {{- end }}
        {{- with .Values.extraArgs }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      env:
        {{- if .Values.sharding.enabled }}
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        {{- end }}
        {{- $secret := include "huaweicloud-db-exporter.secretName" . }}
        {{- range $var, $key := dict "HWC_ACCESS_KEY" .Values.auth.secretKeys.accessKey "HWC_SECRET_KEY" .Values.auth.secretKeys.secretKey "HWC_PASSWORD" .Values.auth.secretKeys.password "HWC_TOKEN" .Values.auth.secretKeys.token }}
        - name: {{ $var }}
          valueFrom:
            secretKeyRef:
              name: {{ $secret }}
              key: {{ $key }}
              optional: true
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.extraEnvFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: http-metrics
          containerPort: {{ include "huaweicloud-db-exporter.port" . }}
          protocol: TCP
      {{- range $name, $path := dict "livenessProbe" "/-/healthy" "readinessProbe" "/-/ready" }}
      {{- with index $.Values $name }}
      {{ $name }}:
        {{- if $.Values.webConfig.config }}
        exec:
          command:
            {{- include "huaweicloud-db-exporter.probeCommand" (dict "ctx" $ "path" ((.httpGet | default dict).path | default $path)) | nindent 12 }}
        {{- toYaml (omit . "httpGet") | nindent 8 }}
        {{- else }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: {{ $configDir }}
          readOnly: true
        {{- with include "huaweicloud-db-exporter.workloadIdentity.volumeMount" . }}{{ . | nindent 8 }}{{ end }}
        {{- with include "huaweicloud-db-exporter.webConfig.volumeMounts" . }}{{ . | nindent 8 }}{{ end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "huaweicloud-db-exporter.fullname" . }}
    {{- with include "huaweicloud-db-exporter.workloadIdentity.volume" . }}{{ . | nindent 4 }}{{ end }}
    {{- with include "huaweicloud-db-exporter.webConfig.volumes" . }}{{ . | nindent 4 }}{{ end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
