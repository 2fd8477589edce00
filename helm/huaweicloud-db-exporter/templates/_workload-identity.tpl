{{/*
CCE workload identity (auth type workload_identity, docs/credentials.md): a service-account token
projected for the IAM identity provider (its Client ID is the token's audience), rotated by the
kubelet and read by the exporter at every refresh from <workloadIdentity.mountPath>/token.
Each helper renders nothing while workloadIdentity.enabled is false.
*/}}
{{- define "huaweicloud-db-exporter.workloadIdentity.check" -}}
{{- if and .Values.workloadIdentity.enabled (not .Values.workloadIdentity.audience) -}}
{{- fail "workloadIdentity.audience is required with workloadIdentity.enabled: the Client ID of the IAM identity provider (docs/credentials.md)" -}}
{{- end -}}
{{- end -}}

{{/* The projected token volume, an item of the pod's volumes. */}}
{{- define "huaweicloud-db-exporter.workloadIdentity.volume" -}}
{{- include "huaweicloud-db-exporter.workloadIdentity.check" . -}}
{{- if .Values.workloadIdentity.enabled -}}
- name: workload-identity-token
  projected:
    sources:
      - serviceAccountToken:
          audience: {{ .Values.workloadIdentity.audience | quote }}
          expirationSeconds: {{ .Values.workloadIdentity.expirationSeconds }}
          path: token
{{- end -}}
{{- end -}}

{{/* Its mount, an item of the exporter container's volumeMounts. */}}
{{- define "huaweicloud-db-exporter.workloadIdentity.volumeMount" -}}
{{- if .Values.workloadIdentity.enabled -}}
- name: workload-identity-token
  mountPath: {{ .Values.workloadIdentity.mountPath }}
  readOnly: true
{{- end -}}
{{- end -}}

{{/* The service account's annotations: serviceAccount.annotations and, with workload identity on,
workloadIdentity.serviceAccountAnnotations over them. YAML; "{}" when there are none. */}}
{{- define "huaweicloud-db-exporter.workloadIdentity.serviceAccountAnnotations" -}}
{{- $annotations := deepCopy (.Values.serviceAccount.annotations | default dict) -}}
{{- if .Values.workloadIdentity.enabled -}}
{{- $annotations = mergeOverwrite $annotations (.Values.workloadIdentity.serviceAccountAnnotations | default dict) -}}
{{- end -}}
{{- toYaml $annotations -}}
{{- end -}}
