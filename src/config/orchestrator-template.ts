/** The commented `conf.toml` the runner writes on its first run (also `conf.toml.example`). */
export const CONF_TEMPLATE = `# csc telegram — the standalone Telegram runner (docs/telegram-runbook.md).
# TELEGRAM_BOT_TOKEN comes from the environment, never from this file.

[telegram]
# Telegram user ids allowed to use the bot; everyone else gets "Unauthorized" (with their id).
allowed_users = []

[telegram.polling]
poll_timeout = 30                       # seconds a getUpdates long poll waits
loop_sleep_sec = 1                      # pause between polls, and the first retry delay
delete_webhook_on_start = true
drop_pending_updates = false            # passed to deleteWebhook
ignore_pending_updates_on_start = true  # skip the backlog that piled up while stopped
require_mcp_warmup = true               # start and check Codex before taking updates (false: poll at once)
cancel_wait_timeout_sec = 5             # how long /cancel waits for the run to stop

[codex]
# mcp_command = "npx"                   # default: the installed @openai/codex, else codex on PATH
mcp_args = "app-server"                 # "-y codex mcp-server" needs Codex <= 0.153
mcp_client_timeout_seconds = 360000     # the longest one request may run; then it is interrupted and fails
allow_echo_executor = false             # true: answer with the prompt, no Codex
approval_policy = "never"
sandbox = "workspace-write"
mcp_direct_status = true                # /status reports the runner's own Codex process
# mcp_status_cmd = "bash -lc \\"echo running=true,ready=true,pid=12345,uptime_sec=30\\""
mcp_auto_detect_process = false

[profile]
default = "default"

[profiles.default]
model = "gpt-5"
working_directory = "~"

# Agents of /mode multi, in this order; each may set prompt and model.
# [agents.planner]
# prompt = "Plan the change step by step. Do not edit files."
# model = "gpt-5"
`;
