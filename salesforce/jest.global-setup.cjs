// Bundles `c/leadLensCardView` for the LWC tests with the build's own function (see
// jest.config.js): `build-salesforce.ts --card-view FILE` writes only that module.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = function globalSetup() {
  const root = path.resolve(__dirname, '..');
  const out = path.join(root, 'build', 'lwc-jest', 'leadLensCardView', 'leadLensCardView.js');
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [path.join(root, 'scripts', 'build-salesforce.ts'), '--card-view', out],
    { cwd: root, stdio: 'inherit' },
  );
};
