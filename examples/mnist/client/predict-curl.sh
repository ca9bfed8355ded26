#!/usr/bin/env bash
# Calls a running `slipway serve mnist` over REST with curl: TF Serving v1, Open Inference v2, feedback, monitoring.
# Usage: ./predict-curl.sh [http://127.0.0.1:8501]
set -euo pipefail
URL=${1:-http://127.0.0.1:8501}
# One 28x28x1 image (a flat row of 784 values is accepted for a [-1, 28, 28, 1] input).
IMAGE=$(python3 -c "print(','.join(f'{(i % 17) / 17:.3f}' for i in range(784)))" 2>/dev/null || node -e "console.log(Array.from({length:784},(_, i)=>((i%17)/17).toFixed(3)).join(','))")

echo '# model status and signature'
curl -s "$URL/v1/models/mnist"; echo
curl -s "$URL/v1/models/mnist/metadata" | head -c 400; echo

echo '# TF Serving predict, row format (instances); the response header x-request-id identifies the prediction'
curl -s -D /tmp/slipway-headers.txt -d "{\"instances\": [[$IMAGE]]}" "$URL/v1/models/mnist:predict"; echo
REQUEST_ID=$(grep -i '^x-request-id:' /tmp/slipway-headers.txt | tr -d '\r' | cut -d' ' -f2)

echo '# columnar format (inputs), a pinned version and a label (registry alias)'
curl -s -H "content-type: application/json" -d "{\"inputs\": [[$IMAGE]]}" "$URL/v1/models/mnist/versions/1:predict"; echo
curl -s -H "content-type: application/json" -d "{\"instances\": [[$IMAGE]]}" "$URL/v1/models/mnist/labels/production:predict"; echo

echo '# Open Inference Protocol v2'
curl -s "$URL/v2/health/ready"; echo
curl -s -H 'content-type: application/json' \
  -d "{\"id\": \"demo-1\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 28, 28, 1], \"datatype\": \"FP32\", \"data\": [$IMAGE]}]}" \
  "$URL/v2/models/mnist/infer"; echo

echo "# ground truth for request $REQUEST_ID, then the online report"
curl -s -H 'content-type: application/json' -d "{\"request_id\": \"$REQUEST_ID\", \"label\": \"7\"}" "$URL/v1/feedback"; echo
curl -s "$URL/v1/models/mnist/monitoring?window=1h" | head -c 600; echo
curl -s "$URL/metrics" | grep '^slipway_requests_total' | head -5
