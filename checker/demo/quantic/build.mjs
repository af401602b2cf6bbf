// Builds the demo site's Quantic variant: Coveo's Quantic Case Assist components (read where they are, never
// copied), compiled with LWC OSS and Salesforce's base components from npm, plus the static resources Quantic loads.
//
//   node quantic/build.mjs <quantic lwc folder> <quantic version> <out dir>      (cwd: checker/demo)
//
// Out: app.js (the pages: synthetic shadow, then c-case-assist-host or c-popular-articles and all they use),
//      resources/coveoheadless/case-assist/headless.js (Headless 3 + `window.coveoQuanticVersion`, as Quantic's
//      build-static-resources does), resources/coveobueno/browser/bueno.js (@coveo/bueno as a UMD exposing `Bueno`).
// Only the Salesforce platform's own modules are stubbed: see src/ (files) and `salesforcePlatform` (the label and
// static-resource families, generated).
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {rollup} from 'rollup';
import lwc from '@lwc/rollup-plugin';
import replace from '@rollup/plugin-replace';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(HERE, 'src');
const RESOURCES_URL = '/quantic/resources';

const [quanticLwc, quanticVersion, outDir] = process.argv.slice(2);
if (!quanticLwc || !quanticVersion || !outDir) {
  console.error('usage: node quantic/build.mjs <quantic lwc folder> <quantic version> <out dir>');
  process.exit(2);
}

const NODE_MODULES = path.join(HERE, '..', 'node_modules');
const packageDir = (name) => path.join(NODE_MODULES, ...name.split('/'));
const LBC = packageDir('lightning-base-components');

/** Quantic's sfdx layout is lwc/<name>/<name>.{js,css}: each module becomes an alias record `c/<name>`. */
function quanticModules() {
  const entry = (name) => ['js', 'css'].map((ext) => path.join(quanticLwc, name, `${name}.${ext}`)).find(fs.existsSync);
  return fs.readdirSync(quanticLwc, {withFileTypes: true})
    .filter((dirent) => dirent.isDirectory() && entry(dirent.name))
    .map((dirent) => ({name: `c/${dirent.name}`, path: entry(dirent.name)}));
}

/** Platform modules with a file of ours in src/platform (everything else Salesforce-only is generated below). */
const PLATFORM_FILES = {
  '@salesforce/apex/HeadlessController.getHeadlessConfiguration': 'platform/apex/getHeadlessConfiguration.js',
  '@salesforce/schema/Case': 'platform/schema/case.js',
  '@salesforce/i18n/locale': 'platform/i18n/locale.js',
  '@salesforce/i18n/timeZone': 'platform/i18n/timeZone.js',
  // Open, lightning-combobox calls attachInternals, which throws under synthetic shadow.
  '@salesforce/gate/bc.260.enableComboboxElementInternals': 'platform/gate/closed.js',
};

function readLabels() {
  const xml = fs.readFileSync(path.join(quanticLwc, '..', 'labels', 'CustomLabels.labels-meta.xml'), 'utf8');
  const unescape = (text) => text
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
  const labels = new Map();
  for (const [, block] of xml.matchAll(/<labels>([\s\S]*?)<\/labels>/g)) {
    const name = /<fullName>([\s\S]*?)<\/fullName>/.exec(block)?.[1];
    const value = /<value>([\s\S]*?)<\/value>/.exec(block)?.[1];
    if (name) labels.set(name.trim(), unescape(value ?? ''));
  }
  return labels;
}

/** `@salesforce/label/c.<name>` from Quantic's CustomLabels, `@salesforce/resourceUrl/<name>` served by the demo. */
function salesforcePlatform() {
  const labels = readLabels();
  const PREFIX = '\0sf:';
  return {
    name: 'salesforce-platform',
    resolveId(source) {
      if (source.startsWith('@salesforce/label/c.') || source.startsWith('@salesforce/resourceUrl/')) {
        return PREFIX + source;
      }
      return null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const source = id.slice(PREFIX.length);
      if (source.startsWith('@salesforce/label/c.')) {
        const name = source.slice('@salesforce/label/c.'.length);
        if (!labels.has(name)) this.error(`no custom label ${name} in Quantic's CustomLabels.labels-meta.xml`);
        return `export default ${JSON.stringify(labels.get(name))};`;
      }
      const resource = source.slice('@salesforce/resourceUrl/'.length);
      return `export default ${JSON.stringify(`${RESOURCES_URL}/${resource}`)};`;
    },
  };
}

/**
 * lightning-primitive-icon imports an icon library per category and direction; the page's direction is ltr
 * (@salesforce/i18n/dir), so the right-to-left libraries are unreachable: left out, they are a third of the modules.
 */
function leftToRightIcons() {
  const EMPTY = '\0rtl-icons';
  return {
    name: 'ltr-icons',
    resolveId: (source) => (/^lightning\/iconSvgTemplates\w*Rtl$/.test(source) ? EMPTY : null),
    load: (id) => (id === EMPTY ? 'export default {};' : null),
  };
}

function lwcModules() {
  return [
    ...quanticModules(),
    ...Object.entries(PLATFORM_FILES).map(([name, file]) => ({name, path: path.join(SRC, file)})),
    // c/caseAssistHost, c/popularArticles, lightning/platformResourceLoader, lightning/uiObjectInfoApi, force/navigation
    {dir: SRC},
    // lightning/*, whose own @salesforce/* imports resolve through the package's lwc configuration
    {dir: path.join(LBC, 'src')},
    // Files, not npm records: those resolve from the importer's package, and Quantic's folder has no node_modules.
    {name: 'lwc', path: path.join(packageDir('@lwc/engine-dom'), 'dist', 'index.js')},
    {name: '@lwc/synthetic-shadow', path: path.join(packageDir('@lwc/synthetic-shadow'), 'dist', 'index.js')},
  ];
}

async function buildApp() {
  const bundle = await rollup({
    input: path.join(SRC, 'main.js'),
    plugins: [
      salesforcePlatform(),
      leftToRightIcons(),
      replace({
        preventAssignment: true,
        values: {'import.meta.env.SSR': 'false', 'process.env.NODE_ENV': JSON.stringify('production')},
      }),
      lwc({rootDir: SRC, modules: lwcModules(), defaultModules: [], exclude: ['**/node_modules/@lwc/**']}),
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
      // Quantic's document suggestion has slots inside an iterator: accepted on the platform, a warning in LWC OSS.
      if (warning.pluginCode === 'LWC1138') return;
      if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(`unresolved import: ${warning.message}`);
      warn(warning);
    },
  });
  await bundle.write({file: path.join(outDir, 'app.js'), format: 'iife', inlineDynamicImports: true});
  await bundle.close();
}

async function buildBueno() {
  const bundle = await rollup({input: path.join(packageDir('@coveo/bueno'), 'dist', 'bueno.esm.js')});
  const file = path.join(outDir, 'resources', 'coveobueno', 'browser', 'bueno.js');
  await bundle.write({file, format: 'umd', name: 'Bueno'});
  await bundle.close();
}

function copyHeadless() {
  const from = path.join(packageDir('@coveo/headless-v3'), 'dist', 'quantic', 'case-assist', 'headless.js');
  const to = path.join(outDir, 'resources', 'coveoheadless', 'case-assist', 'headless.js');
  fs.mkdirSync(path.dirname(to), {recursive: true});
  const text = fs.readFileSync(from, 'utf8');
  fs.writeFileSync(to, `${text}${text.endsWith('\n') ? '' : '\n'}\nwindow.coveoQuanticVersion = '${quanticVersion}';`);
}

const started = Date.now();
fs.mkdirSync(outDir, {recursive: true});
copyHeadless();
await Promise.all([buildApp(), buildBueno()]);
console.log(`Quantic ${quanticVersion} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
