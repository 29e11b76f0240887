import { registerEnumType } from 'type-graphql';

export enum IdentityProvider {
  OKTA = 'OKTA',
  ENTRA_ID = 'ENTRA_ID',
  GOOGLE = 'GOOGLE',
  ONELOGIN = 'ONELOGIN',
  OTHER = 'OTHER',
}

registerEnumType(IdentityProvider, { name: 'IdentityProvider' });
