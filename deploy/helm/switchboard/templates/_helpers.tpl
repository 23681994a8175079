{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart> unless the release name already contains the chart name. */}}
{{- define "switchboard.fullname" -}}
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

{{/* Name of a component's resources: <fullname>-gateway, <fullname>-messages. Call with (list $ "gateway"). */}}
{{- define "switchboard.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "switchboard.fullname" $root | trunc 52 | trimSuffix "-") (index . 1) }}
{{- end }}

{{- define "switchboard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "switchboard.labels" -}}
helm.sh/chart: {{ include "switchboard.chart" . }}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of a component. Call with (list $ "gateway"). */}}
{{- define "switchboard.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "switchboard.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* All labels of a component. Call with (list $ "gateway"). */}}
{{- define "switchboard.componentLabels" -}}
{{ include "switchboard.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Image reference of a component. Call with (list $ .Values.gateway.image). */}}
{{- define "switchboard.image" -}}
{{- $root := index . 0 }}
{{- $image := index . 1 }}
{{- $tag := default $root.Chart.AppVersion $root.Values.image.tag }}
{{- if $root.Values.image.registry }}
{{- printf "%s/%s:%s" $root.Values.image.registry $image.repository $tag }}
{{- else }}
{{- printf "%s:%s" $image.repository $tag }}
{{- end }}
{{- end }}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Env vars from the existing Secret, skipping those whose key name is empty.
     Call with (list $ (list (list "NAME" keyName) …)). */}}
{{- define "switchboard.secretEnv" -}}
{{- $root := index . 0 }}
{{- range $pair := index . 1 }}
{{- if index $pair 1 }}
- name: {{ index $pair 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.existingSecret }}
      key: {{ index $pair 1 }}
{{- end }}
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds of the gateway: preStop sleep + drain window (rounded up) + margin. */}}
{{- define "switchboard.gateway.terminationGracePeriodSeconds" -}}
{{- $g := .Values.gateway }}
{{- add $g.preStopSleepSeconds (div (add $g.config.drainWindowMs 999) 1000) $g.terminationGraceMarginSeconds }}
{{- end }}

{{/* Default topology spread of a component (zones, then nodes; never blocks scheduling). Call with (list $ "gateway" $component). */}}
{{- define "switchboard.topologySpread" -}}
{{- $root := index . 0 }}
{{- $component := index . 2 }}
{{- if $component.topologySpreadConstraints }}
{{ toYaml $component.topologySpreadConstraints }}
{{- else if $root.Values.defaultTopologySpread }}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "switchboard.selectorLabels" (list $root (index . 1)) | nindent 6 }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "switchboard.selectorLabels" (list $root (index . 1)) | nindent 6 }}
{{- end }}
{{- end }}

{{/*
Runbook links: the alert rules and dashboards under files/ link to this repository's docs/runbooks; rendered, they
link to metrics.runbookBaseUrl (or the deprecated metrics.prometheusRule.runbookBaseUrl). Call with (list $ text).
*/}}
{{- define "switchboard.withRunbooks" -}}
{{- $root := index . 0 }}
{{- $base := trimSuffix "/" (coalesce $root.Values.metrics.prometheusRule.runbookBaseUrl $root.Values.metrics.runbookBaseUrl) }}
{{- index . 1 | replace "https://github.com/switchboard/switchboard/blob/main/docs/runbooks" $base }}
{{- end }}

{{/* NATS_CREDS and its read-only mount, when natsCreds.secretName is set. Call with $ (env, volumeMounts, volumes). */}}
{{- define "switchboard.natsCreds.env" -}}
{{- if .Values.natsCreds.secretName }}
- name: NATS_CREDS
  value: /etc/switchboard/nats/{{ .Values.natsCreds.key }}
{{- end }}
{{- end }}
{{- define "switchboard.natsCreds.volumeMount" -}}
{{- if .Values.natsCreds.secretName }}
- name: nats-creds
  mountPath: /etc/switchboard/nats
  readOnly: true
{{- end }}
{{- end }}
{{- define "switchboard.natsCreds.volume" -}}
{{- if .Values.natsCreds.secretName }}
- name: nats-creds
  secret:
    secretName: {{ .Values.natsCreds.secretName }}
    items:
      - key: {{ .Values.natsCreds.key }}
        path: {{ .Values.natsCreds.key }}
{{- end }}
{{- end }}

{{/*
TRUSTED_PROXY_HOPS of both services: the value when set, else 1 behind this chart's Ingress or HTTPRoute, else 0.
*/}}
{{- define "switchboard.trustedProxyHops" -}}
{{- if kindIs "invalid" .Values.trustedProxyHops -}}
{{- if or .Values.ingress.enabled .Values.httpRoute.enabled -}}1{{- else -}}0{{- end -}}
{{- else -}}
{{- .Values.trustedProxyHops -}}
{{- end -}}
{{- end }}
