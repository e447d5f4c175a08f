export { renderCardPage, renderCardBody, type CardPageOptions } from './card-page';
export { renderContactsPage, type ContactsPageOptions } from './contacts-page';
