// The app's own metrics (MetricNames.cs, docs/operations.md) as an Azure Monitor workbook on Application Insights.
@description('Workbooks are named by a GUID.')
param name string
param location string
param tags object
param applicationInsightsId string

var text = {
  type: 1
  name: 'about'
  content: {
    json: '## ConvoFunctions\nThe app\'s own metrics (docs/operations.md): duplicates found, alerts and incidents, posts, lag, ElevenLabs throttling and time to alert. Per-minute aggregates from Application Insights `customMetrics`.'
  }
}

var charts = [
  {
    name: 'duplicates-per-day'
    title: 'Duplicate calls per day, by verdict and agent'
    query: loadTextContent('../queries/workbook/duplicates-per-day.kql')
    visualization: 'barchart'
  }
  {
    name: 'alerts-raised-per-day'
    title: 'Alerts raised per day, by kind'
    query: loadTextContent('../queries/workbook/alerts-raised-per-day.kql')
    visualization: 'barchart'
  }
  {
    name: 'incidents'
    title: 'Incidents (recurring duplicates): opened, roll-ups, resolved, reopened per day'
    query: loadTextContent('../queries/workbook/incidents.kql')
    visualization: 'barchart'
  }
  {
    name: 'alert-posts'
    title: 'Alert posts sent and failed, by channel'
    query: loadTextContent('../queries/workbook/alert-posts.kql')
    visualization: 'barchart'
  }
  {
    name: 'lag'
    title: 'Webhook, queue and sweep lag (worst per hour, seconds)'
    query: loadTextContent('../queries/workbook/lag.kql')
    visualization: 'timechart'
  }
  {
    name: 'elevenlabs-429'
    title: 'ElevenLabs 429 answers per hour'
    query: loadTextContent('../queries/workbook/elevenlabs-429.kql')
    visualization: 'barchart'
  }
  {
    name: 'time-to-alert'
    title: 'Time to alert (seconds): p50 and p95 per day'
    query: loadTextContent('../queries/workbook/time-to-alert.kql')
    visualization: 'table'
  }
  {
    name: 'sweeps'
    title: 'Sweeps completed and the longest, per hour'
    query: loadTextContent('../queries/workbook/sweeps.kql')
    visualization: 'timechart'
  }
]

var items = concat([text], map(charts, chart => {
  type: 3
  name: chart.name
  content: {
    version: 'KqlItem/1.0'
    title: chart.title
    query: chart.query
    size: 0
    queryType: 0
    resourceType: 'microsoft.insights/components'
    visualization: chart.visualization
    timeContext: {
      durationMs: 2592000000
    }
  }
}))

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'ConvoFunctions operations'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string({
      version: 'Notebook/1.0'
      items: items
      fallbackResourceIds: [applicationInsightsId]
      '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
    })
  }
}

output id string = workbook.id
