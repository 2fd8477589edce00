{{/*
Checks that schema validation cannot express, run once from configmap.yaml. A default install has
no project to poll, and the exporter refuses an empty list (exit 2): rather than install pods that
crash-loop, the install fails here and says what to set.
*/}}
{{- define "huaweicloud-db-exporter.validate" -}}
{{- if not .Values.config.projects }}
{{- fail `
config.projects is empty: the exporter needs at least one (region, project) to poll. Set, e.g. in a values file:
  config:
    projects:
      - region: ap-southeast-1
        project_id: "<your project id>"
        auth: {type: aksk, access_key: "${HWC_ACCESS_KEY}", secret_key: "${HWC_SECRET_KEY}"}
        gaussdb: {discover: true}
        taurusdb: {discover: true}
  auth:
    existingSecret: <Secret with keys access-key and secret-key>   # or auth.accessKey / auth.secretKey` }}
{{- end }}
{{- end }}
