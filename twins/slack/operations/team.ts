// team.*: the workspace itself.

import { slackError } from '../errors.ts';
import { type SlackCtx, str } from '../render.ts';

/** team.info: the workspace's name, domain and icon. */
export function info(ctx: SlackCtx<{ team?: string; domain?: string }>) {
  const { team } = ctx.state;
  const wanted = str(ctx.args.team);
  if (wanted && wanted !== team.id) throw slackError('team_not_found');
  return {
    team: {
      id: team.id,
      name: team.name,
      url: `https://${team.domain}.slack.com/`,
      domain: team.domain,
      email_domain: team.email_domain,
      icon: {
        image_default: true,
        image_34: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png',
        image_44: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-44.png',
        image_68: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-68.png',
        image_88: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-88.png',
        image_102: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-102.png',
        image_132: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-132.png',
        image_230: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-230.png',
      },
      avatar_base_url: 'https://ca.slack-edge.com/',
      is_verified: false,
      lob_sales_home_enabled: false,
      is_sfdc_auto_slack: false,
    },
  };
}
