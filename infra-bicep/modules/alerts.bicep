// Azure Monitor watching the app itself: one action group and the log search alert rules over the app's own metrics
// (MetricNames.cs, docs/operations.md) and its function invocations. Each rule's description says what to do.
param actionGroupName string
param location string
param tags object

@description('Resource id of the Application Insights component the app sends its telemetry to; every rule queries it.')
param applicationInsightsId string

@description('Email recipients of the action group, separated by ";" or ",". Empty: no email receiver.')
param emailRecipients string

@description('Optional webhook (an on-call tool, a chat) the action group posts to in the common alert schema. Empty: none.')
@secure()
param webhookUrl string

@description('Minutes between two sweeps as the schedule runs them.')
param sweepIntervalMinutes int

var recipients = filter(map(split(replace(emailRecipients, ',', ';'), ';'), address => trim(address)), address => !empty(address))


resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'convo'
    enabled: true
    emailReceivers: [for (address, i) in recipients: {
      name: 'email-${i}'
      emailAddress: address
      useCommonAlertSchema: true
    }]
    webhookReceivers: empty(webhookUrl) ? [] : [
      {
        name: 'webhook'
        serviceUri: webhookUrl
        useCommonAlertSchema: true
      }
    ]
  }
}

var rules = [
  {
    name: 'sweep-stopped'
    displayName: 'ConvoFunctions: no completed sweep'
    description: 'No duplicate sweep has completed for ${3 * sweepIntervalMinutes} minutes (3x the schedule): duplicates are not being detected or alerted. See docs/deploy.md#alert-no-completed-sweep.'
    severity: 1
    query: loadTextContent('../queries/alerts/sweep-stopped.kql')
    measure: 'MinutesSinceLastSweep'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: 3 * sweepIntervalMinutes
    window: 'PT6H'
    dimensions: []
  }
  {
    name: 'poison-queue'
    displayName: 'ConvoFunctions: messages in the poison queue'
    description: 'Webhook events are waiting in webhook-events-poison: their conversations were never enriched, so their calls are not judged. See docs/deploy.md#alert-messages-in-the-poison-queue.'
    severity: 2
    query: loadTextContent('../queries/alerts/poison-queue.kql')
    measure: 'Messages'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
    dimensions: []
  }
  {
    name: 'function-failures'
    displayName: 'ConvoFunctions: function failures'
    description: 'A function failed at least 3 times in 15 minutes (the alert names it). See docs/deploy.md#alert-function-failures.'
    severity: 2
    query: loadTextContent('../queries/alerts/function-failures.kql')
    measure: 'Failures'
    aggregation: 'Total'
    operator: 'GreaterThanOrEqual'
    threshold: 3
    window: 'PT15M'
    dimensions: [
      {
        name: 'operation_Name'
        operator: 'Include'
        values: ['*']
      }
    ]
  }
  {
    name: 'elevenlabs-key-rejected'
    displayName: 'ConvoFunctions: ElevenLabs rejects the API key'
    description: 'The ElevenLabs API answered 401 or 403: the key is revoked, wrong or lacks the convai read permission, and nothing can be enriched or discovered. See docs/deploy.md#alert-elevenlabs-rejects-the-api-key.'
    severity: 1
    query: loadTextContent('../queries/alerts/elevenlabs-key-rejected.kql')
    measure: 'Rejected'
    aggregation: 'Total'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
    dimensions: []
  }
  {
    name: 'elevenlabs-server-errors'
    displayName: 'ConvoFunctions: ElevenLabs answers 5xx repeatedly'
    description: 'The ElevenLabs API answered 5xx at least 10 times in 15 minutes, retries included. See docs/deploy.md#alert-elevenlabs-answers-5xx-repeatedly.'
    severity: 2
    query: loadTextContent('../queries/alerts/elevenlabs-server-errors.kql')
    measure: 'ServerErrors'
    aggregation: 'Total'
    operator: 'GreaterThanOrEqual'
    threshold: 10
    window: 'PT15M'
    dimensions: []
  }
  {
    name: 'alert-posts-failing'
    displayName: 'ConvoFunctions: alert posts failing'
    description: 'Duplicate alerts are not reaching the team: a channel gave up after its last attempt, or failed 3 times in 30 minutes. See docs/deploy.md#alert-alert-posts-failing.'
    severity: 1
    query: loadTextContent('../queries/alerts/alert-posts-failing.kql')
    measure: 'Failing'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT30M'
    dimensions: []
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in rules: {
  name: '${actionGroupName}-${rule.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: rule.displayName
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: rule.window
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: rule.query
          metricMeasureColumn: rule.measure
          timeAggregation: rule.aggregation
          operator: rule.operator
          threshold: rule.threshold
          dimensions: rule.dimensions
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}]

output actionGroupId string = actionGroup.id
output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
