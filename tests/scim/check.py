"""Runs scim2-tester's conformance checks against a Mandant tenant.

    python check.py BASE_URL TOKEN

Prints one line per check and exits 1 when any check errs. Started by
tests/api/scim.rs; not used by the server.
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    failed = [r for r in results if r.status == Status.ERROR]
    for r in results:
        print(f"{r.status.name:<10} {r.title}: {r.reason or ''}")
        if r.status == Status.ERROR and r.data is not None:
            print(f"           data: {str(r.data)[:600]}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
