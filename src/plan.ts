// Placeholder: what `go` will do (proxy list, sumdb, modules, first hops), decided by the config stage.
export interface Plan {
  readonly modules: readonly { path: string; version: string | undefined }[];
}
