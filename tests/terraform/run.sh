#!/usr/bin/env bash
# Applies each configuration under tests/terraform/ (sharing/, organization/) against a fresh ramd in
# trust mode, checks the plan is then empty, and destroys it; with the AWS provider
# from a local filesystem mirror. Optional (CI does not run it): needs `terraform` and a mirror of
# hashicorp/aws (TF_PLUGIN_MIRROR, default /opt/tf-plugins).
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)
mirror=${TF_PLUGIN_MIRROR:-/opt/tf-plugins}
command -v terraform >/dev/null || { echo "terraform is not installed: skipped" >&2; exit 0; }
[ -d "$mirror/registry.terraform.io/hashicorp/aws" ] || { echo "no provider mirror in $mirror: skipped" >&2; exit 0; }

for config in */; do
    work=$(mktemp -d)
    cp "$config/main.tf" "$work/"
    cat > "$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/*"] }
}
RC
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${RAMD_BIN:-$repo/target/debug/ramd}" serve --auth trust --listen "127.0.0.1:$port" --data-dir "$work/data" 2>"$work/ramd.log" &
    pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    (
        export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 AWS_EC2_METADATA_DISABLED=true
        cd "$work"
        terraform init -input=false -no-color >/dev/null
        terraform apply -auto-approve -input=false -no-color -var "endpoint=http://127.0.0.1:$port"
        terraform plan -detailed-exitcode -input=false -no-color -var "endpoint=http://127.0.0.1:$port" >/dev/null \
            || { echo "$config: plan after apply is not empty" >&2; exit 1; }
        terraform destroy -auto-approve -input=false -no-color -var "endpoint=http://127.0.0.1:$port"
    ) || { kill "$pid"; exit 1; }
    kill "$pid"
    rm -rf "$work"
    echo "terraform $config: OK"
done
