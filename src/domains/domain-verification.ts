import { randomBytes } from 'node:crypto';
import { Field, ObjectType } from 'type-graphql';
import { DomainVerificationMethod } from './domain.enums';
import { VERIFICATION_FILE_PATH } from './domain-checker';

/** The value the organization publishes (TXT record or file) to prove it controls a domain. */
export function newVerificationToken(): string {
  return `identity-governance-verification=${randomBytes(24).toString('base64url')}`;
}

@ObjectType({ description: 'Exactly what to publish so that verifyDomain succeeds.' })
export class DomainVerification {
  @Field(() => DomainVerificationMethod)
  method: DomainVerificationMethod;

  @Field({ description: 'The value to publish: the whole TXT record value, or the whole file content.' })
  token: string;

  @Field(() => String, { nullable: true, description: 'DNS_TXT: the record name (the domain itself).' })
  dnsRecordName: string | null;

  @Field(() => String, { nullable: true, description: 'HTTPS_FILE: where the file must be served.' })
  fileUrl: string | null;

  @Field({ description: 'The steps, for a person.' })
  instructions: string;
}

export function verificationInstructions(domain: {
  name: string;
  verificationMethod: DomainVerificationMethod;
  verificationToken: string;
}): DomainVerification {
  const { name, verificationMethod: method, verificationToken: token } = domain;
  if (method === DomainVerificationMethod.DNS_TXT) {
    return {
      method,
      token,
      dnsRecordName: name,
      fileUrl: null,
      instructions: `Add a DNS TXT record on ${name} with the value "${token}", wait for it to propagate, then run verifyDomain.`,
    };
  }
  const fileUrl = `https://${name}${VERIFICATION_FILE_PATH}`;
  return {
    method,
    token,
    dnsRecordName: null,
    fileUrl,
    instructions: `Serve a file at ${fileUrl} whose content is "${token}" (HTTPS, no redirect to another host), then run verifyDomain.`,
  };
}
