// Jest transpiles with Babel (no type checking; `npm run typecheck` does that). The React preset
// is for cards and the settings page, which use @hubspot/ui-extensions (ESM-only).
module.exports = {
  presets: [
    ['@babel/preset-env', { targets: { node: 'current' } }],
    ['@babel/preset-react', { runtime: 'automatic' }],
    '@babel/preset-typescript',
  ],
};
