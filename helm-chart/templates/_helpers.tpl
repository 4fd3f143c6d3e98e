{{/*
The guide's booleans are strings ("true"/"false"); --set gives real booleans. Both become "true" or "false".
*/}}
{{- define "trendmaster.bool" -}}
{{- if eq (toString . | trim | lower) "true" -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{- define "trendmaster.enabled" -}}
{{- include "trendmaster.bool" .Values.trendmaster_ai.enabled -}}
{{- end -}}

{{- define "trendmaster.dryRun" -}}
{{- include "trendmaster.bool" .Values.trendmaster_ai.dry_run -}}
{{- end -}}

{{/* LOG_LEVEL for pino: lower case; the guide's Python-style "WARNING" is pino's "warn". */}}
{{- define "trendmaster.logLevel" -}}
{{- $level := toString .Values.trendmaster_ai.log_level | trim | lower -}}
{{- if eq $level "warning" -}}warn{{- else -}}{{ $level }}{{- end -}}
{{- end -}}

{{- define "trendmaster.webhookMode" -}}
{{- if .Values.webhook.mode -}}{{ .Values.webhook.mode }}{{- else if eq (include "trendmaster.dryRun" .) "true" -}}audit{{- else -}}enforce{{- end -}}
{{- end -}}

{{/* Not prefixed by the release name: the guide names objects trendmaster-ai-*. */}}
{{- define "trendmaster.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" -}}
{{- else -}}
{{- default .Chart.Name .Values.nameOverride | trunc 48 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "trendmaster.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "trendmaster.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "trendmaster.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: trendmaster
{{- end -}}

{{/* On every pod (not in selectors, which cannot change on upgrade): the guide's `kubectl logs -l app=trendmaster-ai`. */}}
{{- define "trendmaster.appLabel" -}}
app: {{ include "trendmaster.fullname" . }}
{{- end -}}

{{- define "trendmaster.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trendmaster.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "trendmaster.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "trendmaster.sidecarMode" -}}
{{- if eq .Values.forecaster.mode "sidecar" -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{- define "trendmaster.webhookServiceAccount" -}}{{ include "trendmaster.fullname" . }}-webhook{{- end -}}
{{/* The forecaster's ServiceAccount is the release's own name: the guide checks `--as=system:serviceaccount:<ns>:trendmaster-ai`. */}}
{{- define "trendmaster.forecasterServiceAccount" -}}{{ include "trendmaster.fullname" . }}{{- end -}}
{{- define "trendmaster.tlsSecret" -}}{{ include "trendmaster.fullname" . }}-tls{{- end -}}
{{- define "trendmaster.settingsConfigMap" -}}{{ include "trendmaster.fullname" . }}-settings{{- end -}}
{{/* The forecaster's Lease and history names: its settings may rename them, RBAC and the name policy follow. */}}
{{- define "trendmaster.leaseName" -}}
{{- $lease := (.Values.forecaster.settings.lease | default dict) -}}
{{- $lease.name | default "trendmaster-forecaster" -}}
{{- end -}}
{{- define "trendmaster.historyPrefix" -}}
{{- $history := (.Values.forecaster.settings.history | default dict) -}}
{{- $history.namePrefix | default "trendmaster-history" -}}
{{- end -}}

{{/*
Refuse a release in the ratelimit-config namespace: the forecaster's ConfigMap rights in its own
namespace (cache, history) would then reach the istio-system ConfigMaps.
*/}}
{{- define "trendmaster.checkNamespace" -}}
{{- if eq .Release.Namespace .Values.ratelimitConfig.namespace -}}
{{- fail (printf "install TrendMaster in its own namespace, not %q: the forecaster creates and deletes ConfigMaps in the release namespace (cache, history)" .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{/* Security context of every container: uid 1001, read-only root, no capabilities. */}}
{{- define "trendmaster.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1001
runAsGroup: 1001
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "trendmaster.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1001
runAsGroup: 1001
fsGroup: 1001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Environment of the forecaster, sidecar or CronJob: the guide's variables plus the settings path. */}}
{{- define "trendmaster.forecasterEnv" -}}
- name: PROMETHEUS_URL
  value: {{ .Values.trendmaster_ai.prometheus_url | quote }}
- name: DRY_RUN
  value: {{ include "trendmaster.dryRun" . | quote }}
- name: LOG_LEVEL
  value: {{ include "trendmaster.logLevel" . | quote }}
- name: SCHEDULE
  value: {{ .Values.trendmaster_ai.schedule | quote }}
- name: TRENDMASTER_SETTINGS
  value: /etc/trendmaster/settings.yaml
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
# Lease holder identity and the writer recorded in history revisions.
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: HOME
  value: /tmp
# V8 collects late when it has room: without a cap a 1,000-rule cycle peaks near 600 MiB; with
# 256 MiB of old space (and the engine's capped workers) it stays under 512 MiB (bench/cycle-prometheus.ts).
- name: NODE_OPTIONS
  value: {{ printf "--max-old-space-size=%d" (int .Values.forecaster.maxOldSpaceMiB) | quote }}
{{- end -}}

{{- define "trendmaster.gitopsEnabled" -}}
{{- if ne (.Values.gitops.outputMode | default "cluster") "cluster" -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* The guide's monitoring block: monitoring.trendmaster_ai.enabled switches all of TrendMaster's monitoring. */}}
{{- define "trendmaster.monitoringEnabled" -}}
{{- include "trendmaster.bool" .Values.monitoring.trendmaster_ai.enabled -}}
{{- end -}}

{{/* Slack notifications: monitoring on, one of the guide's three alerts on, and somewhere to send them. */}}
{{- define "trendmaster.slackEnabled" -}}
{{- $mon := .Values.monitoring.trendmaster_ai -}}
{{- $alerts := $mon.alerts | default dict -}}
{{- $anyAlert := false -}}
{{- range $kind := list "rate_limit_changes" "ml_confidence_low" "system_errors" -}}
{{- if eq (include "trendmaster.bool" (get $alerts $kind | default "true")) "true" -}}{{- $anyAlert = true -}}{{- end -}}
{{- end -}}
{{- if and (eq (include "trendmaster.monitoringEnabled" .) "true") $anyAlert (or $mon.slack_channels .Values.slack.webhookUrlKey) -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{- define "trendmaster.slackSecret" -}}
{{- .Values.slack.existingSecret | default (printf "%s-slack" (include "trendmaster.fullname" .)) -}}
{{- end -}}

{{/* Mounts shared by the forecaster containers. */}}
{{- define "trendmaster.forecasterVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: settings
  mountPath: /etc/trendmaster
  readOnly: true
{{ include "trendmaster.secretMounts" . }}
{{- end -}}

{{/* Secrets both processes read as files: the stamp key ring, and Slack's token (the webhook posts break-glass notices). */}}
{{- define "trendmaster.secretMounts" -}}
- name: stamp-key
  mountPath: /var/run/secrets/trendmaster/stamp
  readOnly: true
{{- if eq (include "trendmaster.slackEnabled" .) "true" }}
- name: slack
  mountPath: /var/run/secrets/trendmaster/slack
  readOnly: true
{{- end }}
{{- if and (eq (include "trendmaster.gitopsEnabled" .) "true") .Values.gitops.tokenSecret.name }}
- name: gitops-token
  mountPath: /var/run/secrets/trendmaster/gitops
  readOnly: true
{{- end }}
{{- if and (eq (include "trendmaster.gitopsEnabled" .) "true") .Values.gitops.caSecret.name }}
- name: gitops-ca
  mountPath: /var/run/secrets/trendmaster/gitops-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* The Git token (and CA bundle) of GitOps write-back, as files: the ServiceAccount reads no Secret. */}}
{{- define "trendmaster.gitopsVolumes" -}}
{{- if and (eq (include "trendmaster.gitopsEnabled" .) "true") .Values.gitops.tokenSecret.name }}
- name: gitops-token
  secret:
    secretName: {{ .Values.gitops.tokenSecret.name }}
    defaultMode: 288  # 0440
    items:
      - key: {{ .Values.gitops.tokenSecret.key }}
        path: token
{{- end }}
{{- if and (eq (include "trendmaster.gitopsEnabled" .) "true") .Values.gitops.caSecret.name }}
- name: gitops-ca
  secret:
    secretName: {{ .Values.gitops.caSecret.name }}
    defaultMode: 288  # 0440
    items:
      - key: {{ .Values.gitops.caSecret.key }}
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "trendmaster.stampKeySecret" -}}{{ .Values.guardStamp.existingSecret | default (printf "%s-stamp-key" (include "trendmaster.fullname" .)) }}{{- end -}}

{{/* The stamp key Secret as a volume: only its one key, as the file `key`. */}}
{{- define "trendmaster.stampKeyVolume" -}}
- name: stamp-key
  secret:
    secretName: {{ include "trendmaster.stampKeySecret" . }}
    defaultMode: 288  # 0440 (decimal: YAML 1.1 and 1.2 parsers read a leading-zero number differently)
    items:
      - key: {{ .Values.guardStamp.key }}
        path: key
{{- end -}}

{{/* The forecaster's Kubernetes username: the only writer whose trendmaster.io/generation the webhook believes. */}}
{{- define "trendmaster.forecasterUser" -}}system:serviceaccount:{{ .Release.Namespace }}:{{ include "trendmaster.forecasterServiceAccount" . }}{{- end -}}

{{- define "trendmaster.slackVolume" -}}
{{- if eq (include "trendmaster.slackEnabled" .) "true" }}
- name: slack
  secret:
    secretName: {{ include "trendmaster.slackSecret" . }}
    defaultMode: 288  # 0440 (decimal: YAML 1.1 and 1.2 parsers read a leading-zero number differently)
    items:
      {{- if .Values.slack.webhookUrlKey }}
      - key: {{ .Values.slack.webhookUrlKey }}
        path: webhook-url
      {{- else }}
      - key: {{ .Values.slack.botTokenKey }}
        path: token
      {{- end }}
{{- end }}
{{- end -}}

{{- define "trendmaster.podScheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Shared by the mutating and the validating webhook. */}}
{{- define "trendmaster.webhookCommon" -}}
{{- $rl := .Values.ratelimitConfig -}}
admissionReviewVersions: ["v1"]
# NoneOnDryRun: whatever the webhook records besides its answer (metrics, audit log) is skipped for
# dryRun requests, so `kubectl apply --dry-run=server` runs through it and shows what a write would get.
sideEffects: NoneOnDryRun
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
# Ignore: a webhook outage never blocks incident response; such writes are reported as unguarded
# (trendmaster.io/guarded-digest mismatch). Fail: no write while the webhook is down. See docs.
failurePolicy: {{ .Values.webhook.failurePolicy }}
matchPolicy: Equivalent
namespaceSelector:
  matchLabels:
    kubernetes.io/metadata.name: {{ $rl.namespace }}
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE", "UPDATE"]
    resources: ["configmaps"]
    scope: Namespaced
matchConditions:
  - name: ratelimit-config-only
    expression: {{ printf "request.namespace == '%s' && object.metadata.name == '%s'" $rl.namespace $rl.name | quote }}
{{- end -}}

{{/* Labels of every alert: Alertmanager routes on slack_channel. */}}
{{- define "trendmaster.alertLabels" -}}
severity: {{ .severity }}
app: trendmaster
{{- with .channels }}
slack_channel: {{ first . | quote }}
{{- end -}}
{{- end -}}

{{/* extraEnv and extraVolumeMounts go on every TrendMaster container; extraVolumes on every pod. */}}
{{- define "trendmaster.extraEnv" -}}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "trendmaster.extraVolumeMounts" -}}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "trendmaster.extraVolumes" -}}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Without cert-manager: one CA and serving certificate per render, shared by the Secret and both
webhook configurations (memoised in .Values, which every template file sees). An existing Secret
with all three keys is reused (`lookup`, on helm install/upgrade), so upgrades keep the CA; delete
the Secret and upgrade to rotate. Returns base64 {ca, crt, key} as JSON.
*/}}
{{- define "trendmaster.generatedTLS" -}}
{{- if not (hasKey .Values "trendmasterGeneratedTLS") -}}
{{- $fullname := include "trendmaster.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $existing := lookup "v1" "Secret" $ns (include "trendmaster.tlsSecret" .) -}}
{{- $data := (get ($existing | default dict) "data") | default dict -}}
{{- if and (get $data "ca.crt") (get $data "tls.crt") (get $data "tls.key") -}}
{{- $_ := set .Values "trendmasterGeneratedTLS" (dict "ca" (get $data "ca.crt") "crt" (get $data "tls.crt") "key" (get $data "tls.key")) -}}
{{- else -}}
{{- $days := int .Values.generatedTLS.validityDays -}}
{{- $ca := genCA (printf "%s-ca" $fullname) $days -}}
{{- $dnsNames := list $fullname (printf "%s.%s" $fullname $ns) (printf "%s.%s.svc" $fullname $ns) (printf "%s.%s.svc.cluster.local" $fullname $ns) -}}
{{- $cert := genSignedCert (printf "%s.%s.svc" $fullname $ns) nil $dnsNames $days $ca -}}
{{- $_ := set .Values "trendmasterGeneratedTLS" (dict "ca" ($ca.Cert | b64enc) "crt" ($cert.Cert | b64enc) "key" ($cert.Key | b64enc)) -}}
{{- end -}}
{{- end -}}
{{- toJson .Values.trendmasterGeneratedTLS -}}
{{- end -}}
