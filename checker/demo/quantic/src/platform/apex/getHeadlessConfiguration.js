// Stub of the Apex method Quantic calls for its engine configuration (HeadlessController.getHeadlessConfiguration):
// the JSON text comes from the demo server, per variant (the page's own prefix: /quantic/…, /quantic-next/…).
export default function getHeadlessConfiguration() {
  return fetch('apex/HeadlessController.getHeadlessConfiguration', {method: 'POST'}).then((response) => {
    if (!response.ok) throw new Error(`Apex HeadlessController.getHeadlessConfiguration: ${response.status}`);
    return response.text();
  });
}
