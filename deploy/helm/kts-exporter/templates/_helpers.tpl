{{/* Hand-written: the templates beside it are generated from deploy/ (npm run deploy:generate). */}}

{{/* The kts image (webhook, guard and the injected sidecar): repository:tag, or repository@digest. */}}
{{- define "kts.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* Labels on every object (not on selectors, which stay those of deploy/base). */}}
{{- define "kts.labels" -}}
app.kubernetes.io/part-of: kts-exporter
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
