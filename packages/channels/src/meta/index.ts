export { metaHandshake, verifyMetaSignature } from './verify.ts';
