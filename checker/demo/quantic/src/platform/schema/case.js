// Stub of @salesforce/schema/Case.
export default {objectApiName: 'Case'};
