/**
 * What the local API fakes (fake-stripe.ts, fake-aws.ts) share: an HTTP server on 127.0.0.1
 * only, with a random port, request bodies capped in size, and a `close()` that also ends open
 * keep-alive connections (the SDKs keep them).
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface LoopbackServer {
    /** `http://127.0.0.1:<port>` */
    url: string;
    close(): Promise<void>;
}

/** Serves `handle(req, res, body)` once each request's body (at most `maxBody` bytes) has arrived. */
export async function serveOnLoopback(
    maxBody: number,
    handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): Promise<LoopbackServer> {
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (c: Buffer) => {
            size += c.length;
            if (size > maxBody) { req.destroy(); return; }
            chunks.push(c);
        });
        req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    server.requestTimeout = 10_000;
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        close() {
            return new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
        },
    };
}
