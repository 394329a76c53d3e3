/**
 * A fault-injecting HTTP proxy on loopback between an S3 client and s3rver. A seeded PRNG picks
 * which requests fail (reproducible for a given arrival order) and how: a 503 SlowDown or a 500
 * InternalError answer (S3's XML error bodies), the socket destroyed before any answer, or the
 * real answer cut off midway through its body. Everything else is forwarded untouched (the Host
 * header too, so SigV4 signatures still verify upstream).
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FaultKind = "slowdown" | "internal" | "reset-before" | "reset-midbody";

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. s3rver's endpoint. */
  target: string;
  /** Probability that a request fails (0..1). */
  failureRate?: number;
  seed?: number;
  kinds?: FaultKind[];
  /** Overrides the random choice: return a fault for this request or undefined to forward it. */
  decide?: (req: IncomingMessage, index: number) => FaultKind | undefined;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests seen and faults injected, per kind. */
  stats: { requests: number; faults: Record<FaultKind, number> };
  stop(): Promise<void>;
}

/** mulberry32: a tiny, good-enough seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALL: FaultKind[] = ["slowdown", "internal", "reset-before", "reset-midbody"];

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const random = seededRandom(opts.seed ?? 1);
  const kinds = opts.kinds ?? ALL;
  const rate = opts.failureRate ?? 0.1;
  const agent = new Agent({ keepAlive: true });
  const stats = { requests: 0, faults: { slowdown: 0, internal: 0, "reset-before": 0, "reset-midbody": 0 } as Record<FaultKind, number> };

  const choose = (req: IncomingMessage, index: number): FaultKind | undefined => {
    if (opts.decide) return opts.decide(req, index);
    // draw both numbers for every request so one decision never shifts the next
    const p = random();
    const k = kinds[Math.floor(random() * kinds.length)]!;
    return p < rate ? k : undefined;
  };

  const server: Server = createServer((req, res) => {
    const index = stats.requests++;
    const fault = choose(req, index);
    if (fault) stats.faults[fault]++;
    if (fault === "reset-before") {
      req.socket.destroy();
      return;
    }
    if (fault === "slowdown" || fault === "internal") {
      // read the request body first, then answer like S3 does when it sheds load
      req.resume();
      req.on("end", () => sendError(res, fault === "slowdown" ? 503 : 500, fault === "slowdown" ? "SlowDown" : "InternalError"));
      return;
    }
    forward(req, res, fault === "reset-midbody");
  });

  const forward = (req: IncomingMessage, res: ServerResponse, cut: boolean) => {
    const headers = { ...req.headers };
    delete headers.expect; // our server already answered 100-continue to the client
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (!cut) {
        upRes.pipe(res);
        return;
      }
      const length = Number(upRes.headers["content-length"] ?? 0);
      const half = Math.floor(length / 2);
      let sent = 0;
      upRes.on("data", (chunk: Buffer) => {
        if (sent >= half) return;
        const part = chunk.subarray(0, half - sent);
        sent += part.length;
        res.write(part);
        if (sent >= half) res.socket?.destroy();
      });
      upRes.on("end", () => res.socket?.destroy());
    });
    up.on("error", () => res.socket?.destroy());
    req.pipe(up);
  };

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

function sendError(res: ServerResponse, status: number, code: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the test fault proxy</Message><RequestId>fault</RequestId></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
