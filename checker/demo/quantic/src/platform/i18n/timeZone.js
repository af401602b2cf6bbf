// Stub of @salesforce/i18n/timeZone.
export default 'America/New_York';
