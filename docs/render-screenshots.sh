#!/usr/bin/env bash
# Renders docs/alert-teams-message.json with the official Adaptive Cards JS renderer (parsed as version 1.5, parse
# warnings shown on the page and printed) and docs/alert-email.html, then screenshots both with headless Chromium.
# First regenerates the samples (alert-teams-message.json, alert-email.html, alert-email.txt) from the production
# AlertFactory, TeamsCard and EmailBody with the benchmark console's `alert-samples` mode (Release build, so it does
# not touch Debug outputs); set SKIP_SAMPLES=1 to render the files as they are.
# The renderer is the one the card tests parse with, pinned in package.json (the build's npm ci installs it). It does
# not know Teams' targetWidth, so the page keeps only what Teams shows at WIDTH (wide by default; narrow for a phone).
# Needs: the .NET SDK, chromium (Debian package) and npm.
set -euo pipefail
docs="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$docs/.." && pwd)"
if [[ "${SKIP_SAMPLES:-}" != 1 ]]; then
  if ! build="$(dotnet build "$repo/bench/ConvoFunctions.Benchmarks" -c Release --nologo -v quiet 2>&1)"; then
    echo "$build" >&2
    exit 1
  fi
  dotnet "$repo/bench/ConvoFunctions.Benchmarks/bin/Release/net10.0/ConvoFunctions.Benchmarks.dll" alert-samples "$docs"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[[ -f "$repo/node_modules/adaptivecards/dist/adaptivecards.js" ]] || (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error)
ln -s "$repo/node_modules" "$work/node_modules"

python3 - "$docs/alert-teams-message.json" "$work" "${WIDTH:-wide}" <<'PY'
import json, sys
message = json.load(open(sys.argv[1]))
card = message["attachments"][0]["content"]
# Teams' targetWidth: the table is "atLeast:Wide", the containers that replace it "atMost:Standard".
hidden = "atMost:Standard" if sys.argv[3] == "wide" else "atLeast:Wide"
card["body"] = [e for e in card["body"] if e.get("targetWidth") != hidden]
page = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="node_modules/adaptivecards/dist/adaptivecards.css">
<style>body{font-family:'Segoe UI',Helvetica,Arial,sans-serif;background:#f5f5f5;margin:0;padding:16px}
#frame{background:#fff;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.2);max-width:760px;padding:4px}
#issues{font-size:12px;color:#a4262c;margin-top:8px}</style>
<script src="node_modules/adaptivecards/dist/adaptivecards.js"></script></head>
<body><div id="frame"></div><div id="issues"></div><script>
const payload = %s;
const context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
const card = new AdaptiveCards.AdaptiveCard();
card.hostConfig = new AdaptiveCards.HostConfig({fontFamily: "Segoe UI, Helvetica, Arial, sans-serif"});
card.parse(payload, context);
const issues = [];
for (let i = 0; i < context.eventCount; i++) { const e = context.getEventAt(i); issues.push("parse: " + e.message); }
const validation = card.validateProperties();
for (const e of (validation.validationEvents || [])) issues.push("validate: " + e.message);
document.getElementById("frame").appendChild(card.render());
document.getElementById("issues").textContent = issues.length ? issues.join(" | ") : "";
document.title = "issues:" + issues.length;
</script></body></html>""" % json.dumps(card)
open(sys.argv[2] + "/card.html", "w").write(page)
PY

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars --virtual-time-budget=3000)
echo "Adaptive Card renderer: $(chromium "${flags[@]}" --dump-dom "file://$work/card.html" 2>/dev/null | grep -o '<title>[^<]*</title>')"
if [[ "${WIDTH:-wide}" == wide ]]; then
  chromium "${flags[@]}" --window-size=800,780 --screenshot="$docs/alert-teams.png" "file://$work/card.html" 2>/dev/null
else
  chromium "${flags[@]}" --window-size=400,1200 --screenshot="$docs/alert-teams-narrow.png" "file://$work/card.html" 2>/dev/null
fi
chromium "${flags[@]}" --window-size=900,700 --screenshot="$docs/alert-email.png" "file://$docs/alert-email.html" 2>/dev/null
