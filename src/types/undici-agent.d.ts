// The Agent module on its own (undici has no exports map, so the deep path resolves); typed as the
// package's Agent.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}
