/**
 * The small wrapper every scheduled job's command runs under (`node -e <script> -- <command…>`),
 * because EventBridge Scheduler starts a task at each tick whatever is still running and has no
 * timeout of its own:
 *
 * - **No overlap** (`allowOverlap: false`): before the command, it asks ECS (`ListTasks` of the
 *   task's own family and cluster, desired status RUNNING) whether another run is still going;
 *   if one is, it writes a `SkippedRuns` EMF line and exits 0 without running the command. Two
 *   runs started in the same second would both see each other and both skip (never both run).
 *   When it cannot ask (no metadata, no credentials, an API error) it exits 75 without running:
 *   a missed run alarms; an overlap would not.
 * - **Timeout**: a command still running after `GROUNDWORK_JOB_TIMEOUT_SECONDS` gets SIGTERM,
 *   then SIGKILL 30 s later, and the wrapper exits 124, which the failed-run alarm sees.
 * - Otherwise it runs the command (no shell, stdio inherited, SIGTERM/SIGINT forwarded) and exits
 *   with its exit code (128 + signal when it was killed).
 *
 * It uses only Node's standard library: the task metadata endpoint v4 (`ECS_CONTAINER_METADATA_URI_V4`),
 * the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or `_FULL_URI`
 * with `AWS_CONTAINER_AUTHORIZATION_TOKEN`), and ECS's JSON API signed with Signature V4.
 * `AWS_ENDPOINT_URL_ECS` (the AWS SDKs' own variable) points it elsewhere; the tests use it with
 * a loopback fake. The image needs `node` (18 or later) on its PATH, as the prepare step does.
 */

/** Exit code when the overlap check could not be made (EX_TEMPFAIL). */
export const JOB_CHECK_FAILED_EXIT = 75;
/** Exit code when the command outlived its timeout (as coreutils `timeout`). */
export const JOB_TIMEOUT_EXIT = 124;
/** Seconds between SIGTERM and SIGKILL at the timeout. */
export const JOB_KILL_GRACE_SECONDS = 30;

/** The variables the wrapper reads (set in each job's task definition). */
export const JOB_ENV = {
    /** The job's name (the `Job` of its metrics). */
    name: "GROUNDWORK_JOB",
    /** "1": check for another run first. */
    noOverlap: "GROUNDWORK_JOB_NO_OVERLAP",
    /** Seconds the command may run. */
    timeout: "GROUNDWORK_JOB_TIMEOUT_SECONDS",
    /** The `Stack` dimension of its metrics. */
    stack: "GROUNDWORK_JOB_STACK",
} as const;

/** Namespace and metric of a skipped run (dimensions `Stack`, `Job`). */
export const JOB_METRICS = { namespace: "Groundwork/Jobs", skipped: "SkippedRuns" } as const;

const lines = [
    "'use strict';",
    "const http=require('http'),https=require('https'),crypto=require('crypto'),cp=require('child_process');",
    "const E=process.env,argv=process.argv.slice(1),cmd=argv[0]==='--'?argv.slice(1):argv;",
    `const JOB=E.${JOB_ENV.name}||'job',STACK=E.${JOB_ENV.stack}||'',TIMEOUT=Number(E.${JOB_ENV.timeout}||0);`,
    "const say=(m)=>process.stderr.write('groundwork-job: '+m+'\\n');",
    "function req(url,o,body){return new Promise((ok,no)=>{const u=new URL(url);const m=u.protocol==='https:'?https:http;",
    " const r=m.request(u,{method:o.method||'GET',headers:o.headers||{},timeout:10000},(res)=>{let d='';res.setEncoding('utf8');",
    "  res.on('data',(c)=>d+=c);res.on('end',()=>res.statusCode>=200&&res.statusCode<300?ok(d):no(new Error(o.what+': HTTP '+res.statusCode+' '+d.slice(0,200))));});",
    " r.on('timeout',()=>r.destroy(new Error(o.what+': timed out')));r.on('error',no);if(body)r.write(body);r.end();});}",
    "const sha=(s)=>crypto.createHash('sha256').update(s,'utf8').digest('hex');",
    "const hmac=(k,s)=>crypto.createHmac('sha256',k).update(s,'utf8').digest();",
    "function sign(url,region,service,headers,body,c,now){const u=new URL(url);",
    " const amz=now.toISOString().replace(/[-:]/g,'').replace(/\\.\\d{3}/,''),day=amz.slice(0,8);",
    " const h=Object.assign({},headers,{host:u.host,'x-amz-date':amz});if(c.Token)h['x-amz-security-token']=c.Token;",
    " const l={};for(const k of Object.keys(h))l[k.toLowerCase()]=String(h[k]).trim().replace(/\\s+/g,' ');",
    " const names=Object.keys(l).sort(),signed=names.join(';');",
    " const canon=['POST',u.pathname||'/',u.search.slice(1),names.map((n)=>n+':'+l[n]+'\\n').join(''),signed,sha(body)].join('\\n');",
    " const scope=day+'/'+region+'/'+service+'/aws4_request';",
    " const key=hmac(hmac(hmac(hmac('AWS4'+c.SecretAccessKey,day),region),service),'aws4_request');",
    " const sig=crypto.createHmac('sha256',key).update(['AWS4-HMAC-SHA256',amz,scope,sha(canon)].join('\\n'),'utf8').digest('hex');",
    " l.authorization='AWS4-HMAC-SHA256 Credential='+c.AccessKeyId+'/'+scope+', SignedHeaders='+signed+', Signature='+sig;return l;}",
    "async function others(){const md=E.ECS_CONTAINER_METADATA_URI_V4;if(!md)throw new Error('ECS_CONTAINER_METADATA_URI_V4 is not set');",
    " const task=JSON.parse(await req(md+'/task',{what:'task metadata'}));",
    " let cu,ch={};if(E.AWS_CONTAINER_CREDENTIALS_FULL_URI){cu=E.AWS_CONTAINER_CREDENTIALS_FULL_URI;if(E.AWS_CONTAINER_AUTHORIZATION_TOKEN)ch.authorization=E.AWS_CONTAINER_AUTHORIZATION_TOKEN;}",
    " else if(E.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)cu='http://169.254.170.2'+E.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;else throw new Error('no container credentials endpoint');",
    " const c=JSON.parse(await req(cu,{what:'credentials',headers:ch}));",
    " const region=E.AWS_REGION||E.AWS_DEFAULT_REGION||String(task.TaskARN).split(':')[3];",
    " const ep=E.AWS_ENDPOINT_URL_ECS||('https://ecs.'+region+'.amazonaws.com');",
    " const body=JSON.stringify({cluster:task.Cluster,family:task.Family,desiredStatus:'RUNNING',maxResults:100});",
    " const h=sign(ep+'/',region,'ecs',{'content-type':'application/x-amz-json-1.1','x-amz-target':'AmazonEC2ContainerServiceV20141113.ListTasks'},body,c,new Date());",
    " h['content-length']=String(Buffer.byteLength(body));",
    " const res=JSON.parse(await req(ep+'/',{method:'POST',headers:h,what:'ecs:ListTasks'},body));",
    " return (res.taskArns||[]).filter((a)=>a!==task.TaskARN);}",
    "function run(){if(cmd.length===0){say('no command');process.exit(2);}",
    " const child=cp.spawn(cmd[0],cmd.slice(1),{stdio:'inherit'});let timedOut=false,killer;",
    // ECS stops a task with SIGTERM (then SIGKILL after stopTimeout): the command gets it too.
    " process.on('SIGTERM',()=>child.kill('SIGTERM'));process.on('SIGINT',()=>child.kill('SIGINT'));",
    ` const timer=TIMEOUT>0?setTimeout(()=>{timedOut=true;say('still running after '+TIMEOUT+' s: stopping it');child.kill('SIGTERM');killer=setTimeout(()=>child.kill('SIGKILL'),${JOB_KILL_GRACE_SECONDS * 1000});},TIMEOUT*1000):undefined;`,
    " child.on('error',(e)=>{say('cannot start '+cmd[0]+': '+e.message);process.exit(127);});",
    " child.on('exit',(code,sig)=>{clearTimeout(timer);clearTimeout(killer);",
    `  if(timedOut){process.exit(${JOB_TIMEOUT_EXIT});}process.exit(code!==null?code:128+(require('os').constants.signals[sig]||0));});}`,
    `if(E.${JOB_ENV.noOverlap}==='1'){others().then((o)=>{if(o.length>0){`,
    "  say('skipped: another run of '+JOB+' is still going ('+o.map((a)=>a.split('/').pop()).join(', ')+')');",
    `  process.stdout.write(JSON.stringify({_aws:{Timestamp:Date.now(),CloudWatchMetrics:[{Namespace:'${JOB_METRICS.namespace}',Dimensions:[['Stack','Job']],Metrics:[{Name:'${JOB_METRICS.skipped}',Unit:'Count'}]}]},Stack:STACK,Job:JOB,${JOB_METRICS.skipped}:1})+'\\n');`,
    "  process.exit(0);}run();},",
    `  (e)=>{say('cannot check for another run ('+e.message+'); not running, so that two runs never overlap');process.exit(${JOB_CHECK_FAILED_EXIT});});}`,
    "else run();",
];

/** The wrapper, for `node -e`. */
export const JOB_RUNNER_SCRIPT = lines.join("\n");
