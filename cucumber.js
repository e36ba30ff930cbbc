// Behaviour tests: the built service against real anvil and Lodestar nodes.
module.exports = {
  default: {
    requireModule: ['ts-node/register/transpile-only'],
    require: ['features/support/**/*.ts', 'features/step_definitions/**/*.ts'],
    format: ['progress'],
    strict: true,
  },
};
