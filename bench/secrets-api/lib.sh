# Shared by bench/secrets-api/run.sh and metrics-profile.sh; source it, do not run it.
# free_port FROM: the first loopback port from FROM up that nothing listens on.
free_port() { local p=$1; while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
# create.lua gives every secret the access key 32 × 0x2a and this verifier (its SHA-256), so open.lua can open any.
export PARLEY_VERIFIER_HEX=$(printf '%.0s*' {1..32} | sha256sum | cut -d' ' -f1)
