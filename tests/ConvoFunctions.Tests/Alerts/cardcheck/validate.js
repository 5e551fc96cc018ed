// Parses Adaptive Cards with Microsoft's own renderer (the adaptivecards npm package pinned in the repository's
// package.json) and prints, as JSON, everything it reported: each parse event and each validateProperties() failure.
// Reads a Teams Workflows message (every adaptive attachment is checked) or one card on stdin.
// Usage: node validate.js <path of adaptivecards/dist/adaptivecards.js>
// Parsing needs no DOM (only render() does), so none is shimmed.
"use strict";
const AC = require(process.argv[2]);

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const cards = input.type === "message"
  ? (input.attachments || []).filter(a => a.contentType === "application/vnd.microsoft.card.adaptive").map(a => a.content)
  : [input];

const issues = [];
for (const [index, json] of cards.entries()) {
  // Parsed as the version the card declares: an element of a later version than that is reported as unknown.
  const version = typeof json.version === "string" ? AC.Version.parse(json.version, new AC.SerializationContext()) : undefined;
  if (!version || !version.isValid) {
    issues.push({ card: index, phase: "Parse", event: "InvalidCardVersion", message: `The card's version ${JSON.stringify(json.version)} is not a version.` });
  }
  const context = new AC.SerializationContext(version && version.isValid ? version : AC.Versions.latest);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    issues.push({ card: index, phase: AC.ValidationPhase[e.phase], event: AC.ValidationEvent[e.event], message: e.message });
  }
  for (const e of card.validateProperties().validationEvents) {
    issues.push({ card: index, phase: AC.ValidationPhase[e.phase], event: AC.ValidationEvent[e.event], message: e.message });
  }
}
process.stdout.write(JSON.stringify({ cards: cards.length, issues }));
