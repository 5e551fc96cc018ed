#!/usr/bin/env bash
# Renders the sample HTML audit report (docs/audit-report.html) with the benchmark console's `report-sample` mode:
# two weeks of made-up calls in the loopback ElevenLabs stand-in, audited by the production `convo audit --format html`
# path (Release build, so it does not touch Debug outputs), then screenshots it with headless Chromium
# (docs/audit-report.png). Needs: the .NET SDK and chromium (Debian package). Nothing leaves the machine.
set -euo pipefail
docs="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$docs/.." && pwd)"
if ! build="$(dotnet build "$repo/bench/ConvoFunctions.Benchmarks" -c Release --nologo -v quiet 2>&1)"; then
  echo "$build" >&2
  exit 1
fi
dotnet "$repo/bench/ConvoFunctions.Benchmarks/bin/Release/net10.0/ConvoFunctions.Benchmarks.dll" report-sample "$docs/audit-report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars --virtual-time-budget=2000)
chromium "${flags[@]}" --window-size=1100,1100 --screenshot="$docs/audit-report.png" "file://$docs/audit-report.html" 2>/dev/null
echo "wrote $docs/audit-report.png"
