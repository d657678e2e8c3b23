{{/* Names and labels shared by the templates. */}}
{{- define "showcase.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "showcase.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- range $k, $v := .Values.labels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{- define "showcase.port" -}}
{{- $p := 0 -}}
{{- range .Values.ports -}}
{{- if eq .name "http" -}}{{- $p = .port -}}{{- end -}}
{{- end -}}
{{- $p -}}
{{- end -}}
