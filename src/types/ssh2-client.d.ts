// ssh2's client and key parser on their own (ssh2 has no exports map, so the deep paths resolve): the
// probe needs neither its server, SFTP nor key generator. Typed as the package's own.
declare module 'ssh2/lib/client.js' {
  import { Client } from 'ssh2';
  export default Client;
}
declare module 'ssh2/lib/protocol/keyParser.js' {
  import { utils } from 'ssh2';
  export const parseKey: typeof utils.parseKey;
}
