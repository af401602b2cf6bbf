// Stub of @salesforce/i18n/locale.
export default 'en-US';
