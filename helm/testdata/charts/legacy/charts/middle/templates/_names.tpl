{{- define "shared.name" -}}middle-loses{{- end -}}
{{- define "legacy.default" -}}overridden by middle{{- end -}}
