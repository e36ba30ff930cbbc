// NestJS 12 ships as ES modules; Node 20.19+ loads them from CommonJS natively
// (require(esm)), but Jest's module runtime only does so on Node 24.9+. This
// transformer compiles those packages to CommonJS for Jest, mapping `import.meta`
// to its CommonJS equivalents. Only the packages listed in jest.config.js go through it.
const { createHash } = require('node:crypto');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  allowJs: true,
  esModuleInterop: true,
  sourceMap: false,
};

module.exports = {
  process(source, filename) {
    const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions });
    const code = outputText
      // `const require = createRequire(import.meta.url)`: CommonJS has its own require.
      .replace(/^(?:const|let|var) require = .*createRequire\)?\(import\.meta\.url\);$/gm, '')
      .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href")
      .replace(/import\.meta\.resolve\(/g, 'require.resolve(')
      .replace(/import\.meta\.dirname/g, '__dirname')
      .replace(/import\.meta\.filename/g, '__filename');
    return { code };
  },
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(ts.version)
      .update('\0v2\0')
      .update(filename)
      .update('\0')
      .update(source)
      .digest('hex');
  },
};
