"""moto's server with request handling serialised: one request at a time.

moto's in-memory backends do not apply concurrent writes atomically (DynamoDB does), so the
adapter contract's concurrency steps would be flaky against the threaded server. Connections
are still accepted on threads (the SDK keeps a pool of them); only the handling is one at a
time, which is what a real, linearisable DynamoDB looks like from the outside.
"""
import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serial(environ, start_response):
        with lock:
            # The body is produced inside the lock, too.
            return list(app(environ, start_response))

    run_simple(host, port, serial, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
