// A sidebar widget with its own Case Assist interface (engine config.engineId), served in an iframe from another
// origin, as a site embeds a Visualforce page or another domain's widget: see the second-interface bug in serve.py.
import {LightningElement, api} from 'lwc';

export default class PopularArticles extends LightningElement {
  @api config;
}
