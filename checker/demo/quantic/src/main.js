// The page's entry: synthetic shadow first (Salesforce's base components need it), then the page's component,
// configured by the demo server (window.quanticDemo, written into the page).
import '@lwc/synthetic-shadow';
import {createElement} from 'lwc';
import CaseAssistHost from 'c/caseAssistHost';
import PopularArticles from 'c/popularArticles';

const COMPONENTS = {'c-case-assist-host': CaseAssistHost, 'c-popular-articles': PopularArticles};
const config = window.quanticDemo;
const element = createElement(config.component, {is: COMPONENTS[config.component]});
element.config = config;
document.getElementById('case-assist').appendChild(element);
