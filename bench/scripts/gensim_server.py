#!/usr/bin/python3
"""The reference server for bench/scripts/serve_load_bench.py: gensim's KeyedVectors.most_similar
behind Python's standard threaded HTTP server, answering the same URL as embedkit serve:

  GET /api/models/NAME/neighbors?word=W&k=K  ->  {"word": W, "neighbors": [{"word", "score"}, ...]}

  gensim_server.py VECTORS.bin PORT      (word2vec binary; prints "ready" once listening)
"""
import json
import socket
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gensim.models import KeyedVectors


def main():
    vectors = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
    vectors.fill_norms()  # once, as a real service would before taking traffic

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects
        disable_nagle_algorithm = True  # else headers and body wait for a delayed ACK (40 ms)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            status, body = 200, None
            try:
                word = query["word"][0]
                k = int(query.get("k", ["10"])[0])
                found = vectors.most_similar(word, topn=k)
                body = {"word": word, "neighbors": [{"word": w, "score": float(s)} for w, s in found]}
            except KeyError:
                status, body = 404, {"error": "not in the vocabulary"}
            except ValueError:
                status, body = 400, {"error": "bad request"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = socket.SOMAXCONN  # not 5: a burst of connections is queued, not dropped

        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", int(sys.argv[2])), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
