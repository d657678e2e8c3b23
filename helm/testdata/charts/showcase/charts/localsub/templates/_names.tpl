{{- define "localsub.name" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
