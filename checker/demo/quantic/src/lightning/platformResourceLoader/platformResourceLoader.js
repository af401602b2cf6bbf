// Stub of Salesforce's lightning/platformResourceLoader: one <script> or <link> per URL, as the platform does.
const loaded = new Map();

function load(url, create) {
  if (!loaded.has(url)) {
    loaded.set(url, new Promise((resolve, reject) => {
      const element = create();
      element.addEventListener('load', () => resolve());
      element.addEventListener('error', () => reject(new Error(`could not load ${url}`)));
      document.head.appendChild(element);
    }));
  }
  return loaded.get(url);
}

export function loadScript(_component, url) {
  return load(url, () => Object.assign(document.createElement('script'), {src: url, async: false}));
}

export function loadStyle(_component, url) {
  return load(url, () => Object.assign(document.createElement('link'), {rel: 'stylesheet', href: url}));
}
