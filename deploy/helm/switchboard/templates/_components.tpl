{{/*
The objects every component has in the same shape: its Service, PodDisruptionBudget and (CPU) HorizontalPodAutoscaler.
Call with (list $ "messages" .Values.messages); the component's values carry port, service, pdb and autoscaling.
*/}}
{{- define "switchboard.service" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $c := index . 2 }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "switchboard.componentName" (list $root $name) }}
  labels:
    {{- include "switchboard.componentLabels" (list $root $name) | nindent 4 }}
  {{- with $c.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $c.service.type }}
  selector:
    {{- include "switchboard.selectorLabels" (list $root $name) | nindent 4 }}
  ports:
    - name: http
      port: {{ $c.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{- define "switchboard.pdb" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $c := index . 2 }}
{{- if $c.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "switchboard.componentName" (list $root $name) }}
  labels:
    {{- include "switchboard.componentLabels" (list $root $name) | nindent 4 }}
spec:
  maxUnavailable: {{ $c.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "switchboard.selectorLabels" (list $root $name) | nindent 6 }}
{{- end }}
{{- end }}

{{- define "switchboard.hpa" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $a := (index . 2).autoscaling }}
{{- if $a.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "switchboard.componentName" (list $root $name) }}
  labels:
    {{- include "switchboard.componentLabels" (list $root $name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "switchboard.componentName" (list $root $name) }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{/*
The Deployment of a stateless HTTP service (messages, webhooks): its ConfigMap as environment, the Secret's keys,
probes on /readyz and /healthz, a preStop sleep, the chart's security context and spread. Call with
(dict "root" $ "name" "messages" "values" .Values.messages "secretEnv" (list (list "DATABASE_URL" key) …)
"nodeId" true|false "preStopNote" "why the sleep").
*/}}
{{- define "switchboard.serviceDeployment" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $m := .values }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "switchboard.componentName" (list $root $name) }}
  labels:
    {{- include "switchboard.componentLabels" (list $root $name) | nindent 4 }}
spec:
  {{- if not $m.autoscaling.enabled }}
  replicas: {{ $m.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "switchboard.selectorLabels" (list $root $name) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "switchboard.componentLabels" (list $root $name) | nindent 8 }}
        {{- with $m.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/" $name "/configmap.yaml") $root | sha256sum }}
        {{- with $m.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "switchboard.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $m.terminationGracePeriodSeconds }}
      {{- $spread := include "switchboard.topologySpread" (list $root $name $m) }}
      {{- if trim $spread }}
      topologySpreadConstraints:
        {{- trim $spread | nindent 8 }}
      {{- end }}
      {{- with $m.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $m.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $m.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "switchboard.image" (list $root $m.image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $m.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "switchboard.componentName" (list $root $name) }}
          env:
            {{- if .nodeId }}
            - name: NODE_ID
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            {{- end }}
            {{- include "switchboard.secretEnv" (list $root .secretEnv) | trim | nindent 12 }}
            {{- include "switchboard.natsCreds.env" $root | nindent 12 }}
            {{- with $m.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            failureThreshold: 60
          lifecycle:
            # {{ .preStopNote }}
            preStop:
              exec:
                command: ["sleep", "{{ $m.preStopSleepSeconds }}"]
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          resources:
            {{- toYaml $m.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- include "switchboard.natsCreds.volumeMount" $root | nindent 12 }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- include "switchboard.natsCreds.volume" $root | nindent 8 }}
{{- end }}
