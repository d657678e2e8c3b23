{{- define "legacy.banner" -}}banner from legacy{{- end -}}
{{- define "shared.name" -}}legacy-wins{{- end -}}
