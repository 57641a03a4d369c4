// The probe's own version: set by the build (scripts/build.mjs), '0.0.0-dev' when run from source.

declare const __GOMODPROBE_VERSION__: string | undefined;
export const VERSION = typeof __GOMODPROBE_VERSION__ === 'string' ? __GOMODPROBE_VERSION__ : '0.0.0-dev';
