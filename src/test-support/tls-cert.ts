import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** A certificate made for a test, with the files it lives in. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/**
 * A fresh self-signed certificate for `localhost` and 127.0.0.1, valid for a day, made with the
 * real `openssl` into a temp dir (removed by `removeTempDirs`).
 */
export function selfSignedCertificate(commonName = 'localhost', altNames = 'DNS:localhost,IP:127.0.0.1'): TestCertificate {
  const dir = tempDir('csc-tls-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${altNames}`, '-days', '1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'pipe' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
