"""``python -m sandboxes.stack start|stop|status`` (``make stack``, ``make stack-stop``, ``make stack-status``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sandboxes.stack.launcher import Stack, StackError
from sandboxes.stack.settings import StackConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.stack", description=__doc__)
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--var-dir", type=Path, help="state folder (default: $TP_STACK_VAR_DIR or var/stack)")
    parser.add_argument("--api-port", type=int)
    parser.add_argument("--procountor-port", type=int)
    parser.add_argument("--taimer-port", type=int)
    parser.add_argument("--no-seed", action="store_true", help="start the sandboxes empty (no demo company)")
    args = parser.parse_args(argv)
    config = StackConfig.from_env(
        var_dir=args.var_dir,
        api_port=args.api_port,
        procountor_port=args.procountor_port,
        taimer_port=args.taimer_port,
        seed_demo=False if args.no_seed else None,
    )
    try:
        if args.command == "start":
            stack = Stack(config)
            stack.start()
            passwords = config.airflow_home / "simple_auth_manager_passwords.json.generated"
            print(f"Stack {stack.stack_id} is up (logs and pids in {config.var_dir}):")
            print(f"  Airflow UI and REST API  {config.api_url}   user {config.admin_user}, password in {passwords}")
            print(f"  Procountor sandbox       {config.procountor_url}/api")
            print(f"  Taimer sandbox           {config.taimer_url}/api/v1")
            print(f"  workers                  {', '.join(config.worker_names)} (CeleryExecutor, {config.redis_url})")
            print("Stop it with: make stack-stop")
        elif args.command == "stop":
            stack = Stack.attach(config.var_dir)
            forced = stack.stop()
            print(f"Stack {stack.stack_id} stopped" + (f" ({len(forced)} needed SIGKILL)" if forced else ""))
        else:
            print(json.dumps(Stack.attach(config.var_dir).status(), indent=2))
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
