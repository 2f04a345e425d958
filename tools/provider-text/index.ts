/**
 * One genuine `pulumi.dynamic.Resource` per dynamic provider of the program, named after the
 * provider: the `__provider` input each one registers is the text `npm run provider-text` commits.
 */
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_PROVIDERS } from "../../components/edge/stripe-webhook";

/** pulumi.dynamic.Resource itself is abstract: a subclass that adds nothing. */
class Genuine extends pulumi.dynamic.Resource {}

for (const [name, provider] of Object.entries(DYNAMIC_PROVIDERS)) new Genuine(provider, name, {});
