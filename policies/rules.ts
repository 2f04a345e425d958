/** Every rule of the pack, in report order. Imported by index.ts (the pack) and by the offline runner. */
import { Rule } from "./helpers";
import { albListenerRequiresTls } from "./alb-listener-requires-tls";
import { cloudflareStrictTls } from "./cloudflare-strict-tls";
import { dnsRecordsUnproxied } from "./dns-records-unproxied";
import { elasticacheTransitEncryption } from "./elasticache-transit-encryption";
import { encryptionAtRest } from "./encryption-at-rest";
import { noOpenIngress } from "./no-open-ingress";
import { noPlainSecrets } from "./no-plain-secrets";
import { noPublicDatabase } from "./no-public-database";
import { noPublicTaskIp } from "./no-public-task-ip";
import { previewIsolation } from "./preview-isolation";
import { privateBuckets } from "./private-buckets";
import { prodDataProtection } from "./prod-data-protection";
import { rdsForceSsl } from "./rds-force-ssl";
import { requiredTags } from "./required-tags";
import { s3DenyInsecureTransport } from "./s3-deny-insecure-transport";
import { stagingSingleNat } from "./staging-single-nat";
import { usRegions } from "./us-regions";

export const rules: Rule[] = [
    usRegions,
    albListenerRequiresTls,
    rdsForceSsl,
    elasticacheTransitEncryption,
    s3DenyInsecureTransport,
    cloudflareStrictTls,
    dnsRecordsUnproxied,
    privateBuckets,
    encryptionAtRest,
    noOpenIngress,
    noPublicTaskIp,
    noPublicDatabase,
    noPlainSecrets,
    prodDataProtection,
    previewIsolation,
    requiredTags,
    stagingSingleNat,
];
