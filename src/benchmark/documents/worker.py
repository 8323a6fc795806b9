"""Entry point of the parser worker process started by :class:`~benchmark.documents.guard.GuardedParser`."""

import json
import sys

from benchmark.documents.guard import worker_main

if __name__ == "__main__":
    worker_main(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})
