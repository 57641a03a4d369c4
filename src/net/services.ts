// Placeholder: the shared network services (one resolver, one dialer, one trust store, one HTTP client).
export interface NetServices {
  readonly kind: 'net';
}
